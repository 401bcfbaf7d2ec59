import sys

from hw7.cli import main

sys.exit(main())
