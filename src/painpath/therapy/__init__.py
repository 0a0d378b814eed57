"""The therapy slice: PT courses from protocol packs, visit authorizations and the gap week, Medicare's
progress-report and recertification rules, and the therapist's view of their own patients."""
