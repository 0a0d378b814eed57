"""Prior authorization as a kit: payer policies evaluated against an episode, cases, checklists, clocks."""
