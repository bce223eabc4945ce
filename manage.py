#!/usr/bin/env python
from anxin.cli import main

if __name__ == "__main__":
    main()
