"""The PC console: login by scanning a mini-program code, and the pages admins work in."""
