"""``python -m geoplan``."""

from geoplan.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
