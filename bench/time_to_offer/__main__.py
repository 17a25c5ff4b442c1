import sys

from bench.time_to_offer import main

sys.exit(main())
