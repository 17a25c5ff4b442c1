"""xsell-connect adapter for Infosys Finacle."""
