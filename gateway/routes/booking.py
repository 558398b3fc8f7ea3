"""Orders, payments, cancellations, e-tickets."""


class BookingRoutes:
    pass
