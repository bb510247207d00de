"""The emulator's product catalogue, one seeded RNG per product so any one is cheap to rebuild."""

# The typographic quotes and dashes are the real catalogue's; loaders must keep them intact.
# ruff: noqa: RUF001

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from typing import Any

# Categories take contiguous id blocks, like the real API (1-4, 5-8, 9-14, 15-20 of 20); each
# block ends at this many thousandths of the catalogue.
_BLOCKS: tuple[tuple[str, int], ...] = (
    ("men's clothing", 200),
    ("jewelery", 400),
    ("electronics", 700),
    ("women's clothing", 1000),
)


@dataclass(frozen=True)
class _ProductLine:
    """What one line's titles are made of, what it costs, and the sentences that describe it."""

    brands: tuple[str, ...]
    models: tuple[str, ...]
    kinds: tuple[str, ...]
    prices: tuple[int, int]
    blurbs: tuple[str, ...]


_LINES: dict[str, tuple[_ProductLine, ...]] = {
    "men's clothing": (
        _ProductLine(
            brands=("Levi’s", "Carhartt", "Patagonia", "Columbia", "Wrangler", "Dickies"),
            models=(
                "Mens Casual Premium Slim Fit",
                "Men’s Classic Cotton",
                "Mens Heavyweight",
                "Mens Lightweight Quick-Dry",
                "Mens Relaxed Fit",
            ),
            kinds=(
                "T-Shirts",
                "Crew Neck Sweatshirt",
                "Flannel Shirt",
                "Chino Pants",
                "Polo Shirt",
            ),
            prices=(7, 120),
            blurbs=(
                "Slim-fitting style, contrast raglan long sleeve, three-button henley placket.",
                "Light weight & soft fabric for breathable and comfortable wearing.",
                "The color could be slightly different between on the screen and in practice.",
                "Body builds vary by person – check the size chart before ordering.",
                "A “wear it everywhere” staple for work, travel and weekends.",
            ),
        ),
        _ProductLine(
            brands=("Fjallraven", "The North Face", "Herschel", "Osprey"),
            models=("Foldsack No. 1", "Kanken Classic", "Trail 25L", "Weekender"),
            kinds=("Backpack, Fits 15 Laptops", "Rolltop Backpack", "Duffel Bag", "Rain Jacket"),
            prices=(30, 160),
            blurbs=(
                "Your perfect pack for everyday use and walks in the forest.",
                "Stash your laptop (up to 15 inches) in the padded sleeve, your everyday",
                "Great outerwear for spring, autumn and winter – suitable for many occasions.",
                "Built tough enough for a “just one more trail” kind of weekend.",
            ),
        ),
    ),
    "jewelery": (
        _ProductLine(
            brands=("John Hardy", "Pierced Owl", "Kendra Scott", "Silver Dragon", "Pandora"),
            models=(
                "Women’s Legends Naga Gold & Silver Dragon",
                "Rose Gold Plated Double Flared",
                "Solid Gold Petite Micropave",
                "Sterling Silver Twisted",
            ),
            kinds=("Station Chain Bracelet", "Tunnel Plug Earrings", "Pendant Necklace", "Bangle"),
            prices=(8, 700),
            blurbs=(
                "From our Legends Collection, the Naga was inspired by the mythical water dragon "
                "that protects the ocean’s pearl.",
                "Wear facing inward to be bestowed with love, or outward for protection.",
                "Made in Thailand – plugs are made of high quality 316L stainless steel.",
                "Satisfaction guaranteed: return or exchange any order within 30 days.",
            ),
        ),
        _ProductLine(
            brands=("Empire", "Vintage Row", "Blue Nile", "Zales"),
            models=("White Gold Plated Princess", "Halo Cushion Cut", "Classic Solitaire"),
            kinds=("Wedding Engagement Ring", "Promise Ring", "Ring for Her", "Stacking Ring Set"),
            prices=(9, 1000),
            blurbs=(
                "Classic Created Wedding Engagement Solitaire Diamond Promise Ring for Her.",
                "Gifts to spoil your love for Engagement, Wedding, Anniversary, Valentine’s Day.",
                "Designed in a “forever” style that pairs with any band.",
            ),
        ),
    ),
    "electronics": (
        _ProductLine(
            brands=("WD", "SanDisk", "Silicon Power", "Seagate", "Samsung", "Kingston"),
            models=(
                "2TB Elements Portable",
                "SSD PLUS 1TB Internal",
                "256GB 3D NAND A55 SLC Cache Performance Boost",
                "4TB Gaming Drive Works with Playstation 4",
            ),
            kinds=("External Hard Drive – USB 3.0", "SSD SATA III 2.5", "Solid State Drive"),
            prices=(45, 200),
            blurbs=(
                "USB 3.0 and USB 2.0 compatibility, fast data transfers, improve PC performance.",
                "Easy upgrade for faster boot up, shutdown, application load and response.",
                "3D NAND flash is applied to deliver high transfer speeds – up to 550MB/s.",
                "Compatibility formatted NTFS for Windows 10; reformatting may be required for "
                "other operating systems.",
            ),
        ),
        _ProductLine(
            brands=("Acer", "Samsung", "LG", "Dell"),
            models=(
                "SB220Q bi 21.5” Full HD (1920 x 1080) IPS Ultra-Thin",
                "49” CHG90 144Hz Curved",
                "27” 4K UHD IPS",
                "24” Frameless FHD",
            ),
            kinds=("Monitor", "Gaming Monitor", "QLED Display"),
            prices=(99, 1000),
            blurbs=(
                "Ultra-thin zero-frame design with a 75 hertz refresh rate using HDMI port.",
                "Super ultrawide 32:9 screen with dual 27” monitors’ worth of space side by side.",
                "Radeon FreeSync technology – no compatibility issues with popular graphics cards.",
            ),
        ),
    ),
    "women's clothing": (
        _ProductLine(
            brands=("BIYLACLESEN", "Lock and Love", "Columbia", "Rain Jacket Women"),
            models=(
                "Women’s 3-in-1 Snowboard",
                "Women’s Removable Hooded Faux Leather Moto Biker",
                "Women Windbreaker Striped Climbing",
                "Women’s Lightweight Quilted",
            ),
            kinds=("Jacket Winter Coats", "Jacket", "Raincoats", "Puffer Vest"),
            prices=(25, 120),
            blurbs=(
                "Note: the jackets are US standard size, please choose the size as usual.",
                "100% polyurethane shell, 100% polyester lining – hand wash only.",
                "Adjustable hood with a “stay dry” brim keeps the rain off your face.",
            ),
        ),
        _ProductLine(
            brands=("MBJ", "Opna", "DANVOUY", "Madewell"),
            models=(
                "Women’s Solid Short Sleeve Boat Neck V",
                "Women’s Short Sleeve Moisture",
                "Womens Casual Cotton",
            ),
            kinds=("Top", "T Shirt", "Blouse", "Cardigan"),
            prices=(7, 60),
            blurbs=(
                "95% rayon 5% spandex, made in USA or imported, do not bleach.",
                "Lightweight fabric with great stretch, ribbed on sleeves and neckline.",
                "Lightweight, roomy and highly breathable with moisture wicking fabric.",
                "Double stitching on bottom hem – a “goes with everything” basic.",
            ),
        ),
    ),
}

# Share of prices by their cents; 0 is a whole price, which the API serves as a JSON integer.
_CENTS = (99, 95, 50, 30, 0)
_CENT_WEIGHTS = (35, 25, 10, 5, 25)
_IMAGE_VARIANTS = ("SL1500", "UL640_QL65_ML3", "UY879", "SX679", "UX679", "SY879")
_IMAGE_CHARS = string.ascii_letters + string.digits + "-"


def _block_ends(product_count: int) -> list[tuple[str, int]]:
    return [(category, product_count * share // 1000) for category, share in _BLOCKS]


def category_of(product_id: int, product_count: int) -> str:
    """The category whose id block holds `product_id`."""
    return next(c for c, end in _block_ends(product_count) if product_id <= end)


def catalogue_categories(product_count: int) -> list[str]:
    """The categories with at least one product, sorted as the real API lists them."""
    present, previous_end = [], 0
    for category, end in _block_ends(product_count):
        if end > previous_end:
            present.append(category)
        previous_end = end
    return sorted(present)


def product_record(seed: int, product_id: int, product_count: int) -> dict[str, Any]:
    """Product `product_id` of a catalogue of `product_count`, keys in the real API's order."""
    rng = random.Random(f"{seed}:product:{product_id}")
    category = category_of(product_id, product_count)
    line = rng.choice(_LINES[category])
    brand = rng.choice(line.brands)
    title = f"{brand}{rng.choice((' ', ' - '))}{rng.choice(line.models)} {rng.choice(line.kinds)}"
    if rng.random() < 0.15:
        title += " "  # the real catalogue has titles with a trailing space
    whole = rng.randint(*line.prices)
    cents = rng.choices(_CENTS, weights=_CENT_WEIGHTS)[0]
    tenths = rng.randint(10, 50)
    token = f"{rng.randint(41, 91)}{''.join(rng.choices(_IMAGE_CHARS, k=8))}L"
    return {
        "id": product_id,
        "title": title,
        "price": whole if cents == 0 else (whole * 100 + cents) / 100,
        "description": " ".join(rng.sample(line.blurbs, rng.randint(1, len(line.blurbs)))),
        "category": category,
        "image": f"https://fakestoreapi.com/img/{token}._AC_{rng.choice(_IMAGE_VARIANTS)}_.jpg",
        "rating": {
            "rate": tenths // 10 if tenths % 10 == 0 else tenths / 10,
            "count": rng.randint(7, 700),
        },
    }
