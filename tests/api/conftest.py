import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.models import Role

from ..factories import member


def token_client(user):
    """An API client that signs in with the user's token, as a program would."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def png_upload(name="schermafbeelding.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def communications(school):
    return member(Role.COMMUNICATIONS, board=school.board)


@pytest.fixture
def board_admin(school):
    return member(Role.ADMIN, board=school.board)
