"""A campaign's A/B variants as admins set them (when creating or editing it): checked, then applied.

Rules: names not blank and unique (NFKC, case ignored); shares of 1 to 100 percent summing to 100, or no
variants at all; weights, when given, by the same rules as the campaign's (None: the campaign's); a
subject template, when given, on one line, at most 200 characters, and one the mail composer compiles
(None: the campaign's). Each error names its field, e.g. `variants[1].share`.
A list replaces the campaign's variants: a name already there keeps its variant (and its figures), a new
name adds one, and a variant left out is retired (kept for the figures of the mails it sent).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from application.ports import MailComposer
from domain.campaign import Campaign, CampaignVariant, InvalidVariants, ScoreWeights, check_variant_shares, variant_key
from domain.errors import InvalidInput

MAX_SUBJECT_LENGTH = 200


@dataclass(frozen=True)
class VariantInput:
    name: str
    share: int
    weights: tuple[float, float, float] | None = None
    subject: str | None = None


def check_variants(inputs: Sequence[VariantInput], templates: MailComposer) -> list[VariantInput]:
    """The variants cleaned (names and subjects stripped), or InvalidInput naming the first bad field."""
    cleaned = []
    for i, v in enumerate(inputs):
        if v.weights is not None:
            try:
                ScoreWeights(*v.weights)
            except ValueError as exc:
                raise InvalidInput(f"variants[{i}].weights", str(exc)) from None
        cleaned.append(VariantInput(v.name.strip(), v.share, v.weights, _subject(i, v.subject, templates)))
    try:
        check_variant_shares([CampaignVariant(uuid.UUID(int=0), uuid.UUID(int=0), v.name, v.share) for v in cleaned])
    except InvalidVariants as exc:
        raise InvalidInput(exc.field, str(exc)) from None
    return cleaned


def _subject(i: int, subject: str | None, templates: MailComposer) -> str | None:
    if subject is None:
        return None
    field = f"variants[{i}].subject"
    subject = subject.strip()
    if not subject:
        raise InvalidInput(field, "must not be blank (leave it out to use the campaign's)")
    if len(subject) > MAX_SUBJECT_LENGTH or "\n" in subject or "\r" in subject:
        raise InvalidInput(field, f"must be one line of at most {MAX_SUBJECT_LENGTH} characters")
    try:
        templates.check_subject_template(subject)
    except InvalidInput as exc:
        raise InvalidInput(field, exc.message) from None
    return subject


def apply_variants(campaign: Campaign, inputs: Sequence[VariantInput]) -> None:
    """Make `inputs` (checked by check_variants) the campaign's live variants, in their order."""
    existing = {variant_key(v.name): v for v in campaign.variants}
    for position, wanted in enumerate(inputs):
        basic, seo, personalized = wanted.weights or (None, None, None)
        variant = existing.pop(variant_key(wanted.name), None)
        if variant is None:
            variant = CampaignVariant(uuid.uuid4(), campaign.id, wanted.name, wanted.share)
            campaign.variants.append(variant)
        variant.name, variant.share, variant.position, variant.retired = wanted.name, wanted.share, position, False
        variant.weight_basic, variant.weight_seo, variant.weight_personalized = basic, seo, personalized
        variant.subject_template = wanted.subject
    for left_out in existing.values():
        left_out.retired = True


def describe_variants(campaign: Campaign) -> list[dict[str, object]]:
    """The live variants as the audit trail records them."""
    return [
        {"name": v.name, "share": v.share, "subject": v.subject_template,
         "weights": None if v.weights is None else [v.weight_basic, v.weight_seo, v.weight_personalized]}
        for v in campaign.live_variants
    ]  # fmt: skip
