"""Check-ins: the short follow-ups the plan owes a patient (after an injection, during a PT block, during a
taper, weekly function scores), scheduled from dated facts and the packs, done by a telehealth check-in
note or the patient's own questionnaire; a missed one becomes a task."""
