"""Workshop views: HTTP only. Permission checks here, writes in ``workshops.services``."""
