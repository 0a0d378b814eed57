"""HTML pages (placeholder until written)."""
from fastapi import APIRouter

router = APIRouter()
