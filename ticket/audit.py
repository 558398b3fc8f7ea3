"""The audit's view of this service's records (``make audit`` reconciles them with
order's and payment's): every ticket, and every seat that is not available, page
by page. Read-only; each function takes a SQLAlchemy session."""
from common.errors import InvalidInput
from ticket import store
from ticket.schemas import AuditSeatSchema, AuditTicketSchema, audit_page


def tickets(session, after, limit):
    if after is not None and len(after) != 1:
        raise InvalidInput("Not a cursor of ticket.audit_tickets.", details={"fields": {"after": ["Unknown cursor."]}})
    rows = store.audit_tickets(session, after[0] if after else None, limit + 1)
    return audit_page(AuditTicketSchema(), rows, limit, key=lambda row: (row.number,))


def seats(session, after, limit):
    if after is not None and len(after) != 2:
        raise InvalidInput("Not a cursor of ticket.audit_seats.", details={"fields": {"after": ["Unknown cursor."]}})
    rows = store.audit_seats(session, after, limit + 1)
    return audit_page(AuditSeatSchema(), rows, limit, key=lambda row: (row.flight_id, row.seat))
