"""The patient portal: a patient's own record in plain words (plan, visits and check-ins, authorization
status, questionnaires at home, work and forms, shared documents), invitations and reminders."""
