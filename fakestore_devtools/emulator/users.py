"""The emulator's customers, one seeded RNG per user so any user is cheap to rebuild."""

from __future__ import annotations

import random
import string
from typing import Any

_FIRST_NAMES = (
    "john", "david", "kevin", "don", "derek", "miriam", "william", "kate", "jimmie", "mel",
    "anna", "luis", "sofia", "omar", "grace", "ivan", "nina", "paul", "rosa", "tom",
)  # fmt: skip
_LAST_NAMES = (
    "doe", "morrison", "ryan", "romer", "powell", "snyder", "hopkins", "hale", "klein", "russell",
    "garcia", "nguyen", "patel", "kim", "brown", "lopez", "walker", "young", "ortiz", "reed",
)  # fmt: skip
# Few enough that many customers share a city; spelled as inconsistently as the real API does.
_CITIES = (
    "kilcoole", "Cullman", "San Antonio", "el paso", "fresno", "mesa", "miami", "fort wayne",
    "Boston", "denver", "Portland", "austin", "Columbus", "tucson", "Omaha", "raleigh",
    "spokane", "Madison", "reno", "Savannah",
)  # fmt: skip
_STREETS = (
    "new road", "Lovers Ln", "Frances Ct", "Hunters Hill Ln", "adams St", "prospect st",
    "saddle st", "vally view ln", "avondale ave", "oak lawn ave", "Maple Ave", "cedar st",
)  # fmt: skip
_PASSWORD_CHARS = string.ascii_letters + string.digits + "$^_@*#&"


def user_record(seed: int, user_id: int) -> dict[str, Any]:
    """User `user_id`, keys in the real API's order; the id in the username keeps logins unique."""
    rng = random.Random(f"{seed}:user:{user_id}")
    first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
    handle = rng.choice((f"{first}{last[0]}", f"{first[:3]}_", f"{first}{last}", last))
    username = f"{handle}{user_id}"
    return {
        "address": {
            "geolocation": {
                "lat": f"{rng.uniform(-60, 60):.4f}",
                "long": f"{rng.uniform(-180, 180):.4f}",
            },
            "city": rng.choice(_CITIES),
            "street": rng.choice(_STREETS),
            "number": rng.randint(1, 9999),
            "zipcode": f"{rng.randint(10000, 99999)}-{rng.randint(1000, 9999)}",
        },
        "id": user_id,
        "email": f"{username}@gmail.com",
        "username": username,
        "password": "".join(rng.choices(_PASSWORD_CHARS, k=rng.randint(6, 9))),
        "name": {"firstname": first, "lastname": last},
        "phone": f"1-{rng.randint(200, 999)}-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}",
        "__v": 0,
    }
