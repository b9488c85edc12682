from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from keerpunt.db.base import Base
from keerpunt.db.types import UTCDateTime


class SocketTicket(Base):
    """A single-use ticket that opens a socket, so no token ever travels in a URL.

    Kept in the database, not in memory, so a ticket issued by one app process is
    redeemed by whichever process the load balancer sends the socket to.
    """

    __tablename__ = "socket_tickets"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    chatter_id: Mapped[str | None] = mapped_column(ForeignKey("chatters.id"), nullable=True)
    staff_session_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
