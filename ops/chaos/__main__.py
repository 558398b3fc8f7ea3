import sys

from ops.chaos.run import main

sys.exit(main())
