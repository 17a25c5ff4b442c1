"""xsell-connect adapter for Mambu (API v2, REST/JSON).

Install with ``pip install xsell-connect-mambu``; the adapter registers itself under the
name ``mambu`` (entry point ``xsell_connect.adapters``)::

    from xsell_connect.registry import create_adapter

    async with create_adapter("mambu") as core:  # settings from XSELL_MAMBU_* variables
        party = await core.get_party("417023981")
"""

from .adapter import MambuAdapter
from .settings import MambuConventions, MambuSettings

__all__ = ["MambuAdapter", "MambuConventions", "MambuSettings"]
