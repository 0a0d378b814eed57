"""Work and disability paperwork: work restrictions with the graded return-to-work plan (restrictions*,
return_to_work*), and the forms queue filled from the chart (form_*)."""
