"""The libvirt driver; ``[DEFAULT] compute_driver = libvirt.LibvirtDriver``
names it as Nova's option does."""

from consolehub.virt.libvirt import driver

LibvirtDriver = driver.LibvirtDriver
