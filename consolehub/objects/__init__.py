"""The domain records and their rules, shared by every service.

One module per record: instances and their states, console auth tokens
(mint, hash, redeem), console sessions and their close reasons, compute
services, API tokens, flavors and the console types. The API, the
compute agent and the console proxy use these; queries live in
:mod:`consolehub.db`, one module per table.
"""
