"""xsell-connect adapter for Oracle FLEXCUBE Universal Banking (FCUBS SOAP gateway, zeep).

Install with ``pip install xsell-connect-flexcube``; the adapter registers itself under the
name ``flexcube`` (entry point ``xsell_connect.adapters``)::

    from xsell_connect.registry import create_adapter

    async with create_adapter("flexcube") as core:  # settings from XSELL_FLEXCUBE_* variables
        party = await core.get_party("000041822")
"""

from .adapter import FlexcubeAdapter
from .settings import FlexcubeSettings

__all__ = ["FlexcubeAdapter", "FlexcubeSettings"]
