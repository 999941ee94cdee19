"""Why a request was refused as such, before (or apart from) any command's decision: no token,
wrong role, a stale version, a body too large. Each code's texts in Danish and English, rendered
by `render.fill`; the HTTP API raises and answers them (`services/api/refusals.py`)."""

from __future__ import annotations

from enum import StrEnum


class RequestMsg(StrEnum):
    """Why a request was refused before (or apart from) any command's decision."""

    TOKEN_REQUIRED = "token_required"
    TOKEN_INVALID = "token_invalid"
    TOKEN_EXPIRED = "token_expired"
    WRONG_ROLE = "wrong_role"
    READ_ONLY_ROLE = "read_only_role"
    ROUTE_NOT_FOUND = "route_not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    BAD_REQUEST = "bad_request"
    TOO_LARGE = "too_large"
    FIELDS_INVALID = "fields_invalid"
    VALUE_UNSTORABLE = "value_unstorable"
    IF_MATCH_INVALID = "if_match_invalid"
    CORRELATION_ID_INVALID = "correlation_id_invalid"
    STALE_VERSION = "stale_version"
    UNAVAILABLE = "unavailable"
    RESULTS_EMBARGOED = "results_embargoed"
    RECEIPT_NOT_FOUND = "receipt_not_found"
    BALLOT_BUSY = "ballot_busy"
    ALLOCATION_CHOICE = "allocation_choice"
    REQUEST_REFUSED = "request_refused"


# code -> (error, Danish, English); `error` is the body's `error`, which the edge maps to a status.
REQUEST_TEXTS: dict[RequestMsg, tuple[str, str, str]] = {
    RequestMsg.TOKEN_REQUIRED: (
        "unauthenticated",
        "Log ind først: forespørgslen skal have et bearer-token.",
        "Sign in first: the request needs a bearer token.",
    ),
    RequestMsg.TOKEN_INVALID: (
        "unauthenticated",
        "Tokenet er ikke gyldigt; log ind igen.",
        "The token is not valid; sign in again.",
    ),
    RequestMsg.TOKEN_EXPIRED: (
        "unauthenticated",
        "Tokenet er udløbet; log ind igen.",
        "The token has expired; sign in again.",
    ),
    RequestMsg.WRONG_ROLE: (
        "forbidden",
        "Rollen {role} må ikke gøre dette (det må: {roles}).",
        "The role {role} may not do this ({roles} may).",
    ),
    RequestMsg.READ_ONLY_ROLE: (
        "forbidden",
        "En revisor kan læse alt, men ikke ændre noget.",
        "An auditor reads everything and changes nothing.",
    ),
    RequestMsg.ROUTE_NOT_FOUND: (
        "not_found",
        "Adressen findes ikke i denne API.",
        "There is no such address in this API.",
    ),
    RequestMsg.METHOD_NOT_ALLOWED: (
        "method_not_allowed",
        "Adressen findes, men kan ikke bruges med denne metode.",
        "The address exists but cannot be used with this method.",
    ),
    RequestMsg.NOT_ACCEPTABLE: (
        "not_acceptable",
        "Svaret findes ikke i et format, forespørgslen accepterer.",
        "The answer is not available in a format the request accepts.",
    ),
    RequestMsg.UNSUPPORTED_MEDIA_TYPE: (
        "unsupported_media_type",
        "Forespørgslens indhold skal være JSON.",
        "The request's body must be JSON.",
    ),
    RequestMsg.BAD_REQUEST: (
        "bad_request",
        "Forespørgslen kunne ikke læses.",
        "The request could not be read.",
    ),
    RequestMsg.TOO_LARGE: (
        "too_large",
        "Forespørgslen er større end grænsen på {limit} bytes.",
        "The request body is larger than the limit of {limit} bytes.",
    ),
    RequestMsg.FIELDS_INVALID: (
        "invalid",
        "Forespørgslen er ikke gyldig; se felterne: {named}.",
        "The request is not valid; see the fields: {named}.",
    ),
    RequestMsg.VALUE_UNSTORABLE: (
        "invalid",
        "En værdi i forespørgslen kan ikke gemmes eller søges på, som den er angivet.",
        "A value in the request cannot be stored or searched for as given.",
    ),
    RequestMsg.IF_MATCH_INVALID: (
        "invalid",
        "If-Match skal være et versionsnummer.",
        "If-Match must be a version number.",
    ),
    RequestMsg.CORRELATION_ID_INVALID: (
        "invalid",
        "X-Correlation-ID skal være et UUID.",
        "X-Correlation-ID must be a UUID.",
    ),
    RequestMsg.STALE_VERSION: (
        "conflict",
        "Ændringen blev besluttet ud fra version {expected}, men den nuværende version er "
        "{current}. Hent den nuværende version og prøv igen.",
        "The change was decided against version {expected}, but the current version is "
        "{current}. Read the current version and try again.",
    ),
    RequestMsg.UNAVAILABLE: (
        "unavailable",
        "Hændelseslageret kunne ikke nås; intet blev registreret. Prøv igen.",
        "The event store could not be reached; nothing was recorded. Try again.",
    ),
    RequestMsg.RESULTS_EMBARGOED: (
        "forbidden",
        "Resultaterne er under embargo: optællingen vises, når resultaterne er offentliggjort.",
        "Live results are embargoed: the tally is shown once the results are published.",
    ),
    RequestMsg.RECEIPT_NOT_FOUND: (
        "not_found",
        "Der er (endnu) ikke registreret en stemme med denne kvittering i forløbet.",
        "No ballot with this receipt is recorded in this process (yet).",
    ),
    RequestMsg.BALLOT_BUSY: (
        "conflict",
        "Der blev registreret andre stemmer fra samme vælger i samme øjeblik; denne blev ikke "
        "registreret. Prøv igen.",
        "Other ballots from the same voter were being recorded at the same moment; nothing was "
        "recorded for this one. Please try again.",
    ),
    RequestMsg.ALLOCATION_CHOICE: (
        "invalid",
        "Angiv enten confirm: true eller en liste over finansierede forslag med en begrundelse, "
        "ikke begge.",
        "Give either confirm: true or a funded list with a reason, not both.",
    ),
    RequestMsg.REQUEST_REFUSED: (
        "refused",
        "Forespørgslen blev afvist.",
        "The request was refused.",
    ),
}
