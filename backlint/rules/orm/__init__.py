"""N+1 rules (category ``n-plus-one``): BL201 query-in-loop, BL202 lazy-relation-in-loop."""
