import sys

from bench.listener import main

sys.exit(main())
