"""The paperwork slice's JSON API: the app mounts `router` (each topic's routes are included here)."""

from fastapi import APIRouter

from painpath.paperwork import form_views

router = APIRouter()
router.include_router(form_views.router)
