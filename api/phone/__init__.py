"""The phone app (/app/): an installable, offline-first web app for inspectors and enterprises, served as static
files by ruqi itself (plain ES modules, no build step; vendored libraries under ``static/vendor/``)."""
