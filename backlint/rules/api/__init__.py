"""API design and layering rules (BL1xx): routes, handlers, services. Route knowledge lives in
``backlint.frameworks.routes``; persistence predicates in ``backlint.frameworks.persistence``."""
