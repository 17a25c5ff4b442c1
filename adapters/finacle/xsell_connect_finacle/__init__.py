"""xsell-connect adapter for Infosys Finacle (FIXML over HTTP, executeService SOAP wrapper).

Install with ``pip install xsell-connect-finacle``; the adapter registers itself under the
name ``finacle`` (entry point ``xsell_connect.adapters``)::

    from xsell_connect.registry import create_adapter

    async with create_adapter("finacle") as core:  # settings from XSELL_FINACLE_* variables
        party = await core.get_party("8011501010000214")
"""

from .adapter import FinacleAdapter
from .settings import FinacleSettings, Scheme

__all__ = ["FinacleAdapter", "FinacleSettings", "Scheme"]
