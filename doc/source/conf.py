"""Sphinx configuration of consolehub's documentation."""

project = 'consolehub'
copyright = 'consolehub developers'

extensions = [
    'sphinx.ext.autodoc',
    'oslo_config.sphinxext',
    'oslo_config.sphinxconfiggen',
    'oslo_policy.sphinxext',
    'oslo_policy.sphinxpolicygen',
]

# The sample files the configuration and policy references link to.
config_generator_config_file = '../../etc/consolehub-config-generator.conf'
sample_config_basename = '_static/consolehub'
policy_generator_config_file = '../../etc/consolehub-policy-generator.conf'
sample_policy_basename = '_static/consolehub'

exclude_patterns = []
html_theme = 'alabaster'
html_static_path = ['_static']
html_title = 'consolehub'
