import sys

from bench.normalize import main

sys.exit(main())
