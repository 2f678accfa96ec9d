"""The tutorial models, one short file each, and :func:`load` for any saved one."""

from dae.models.persistence import load

__all__ = ["load"]
