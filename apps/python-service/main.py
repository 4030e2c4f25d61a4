"""Entry point of the image (ENTRYPOINT ["/usr/bin/python3", "main.py"]): the service lives in the package."""

from service.app import main

if __name__ == "__main__":
    raise SystemExit(main())
