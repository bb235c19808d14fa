import sys

from rag_answer.cli import main

sys.exit(main())
