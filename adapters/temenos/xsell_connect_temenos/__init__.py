"""xsell-connect adapter for Temenos Transact (provider REST APIs, CloudEvents business events).

Install with ``pip install xsell-connect-temenos``; the adapter registers itself under the
name ``temenos`` (entry point ``xsell_connect.adapters``)::

    from xsell_connect.registry import create_adapter

    async with create_adapter("temenos") as core:  # settings from XSELL_TEMENOS_* variables
        party = await core.get_party("100100")
"""

from .adapter import TemenosAdapter
from .settings import TemenosConventions, TemenosSettings

__all__ = ["TemenosAdapter", "TemenosConventions", "TemenosSettings"]
