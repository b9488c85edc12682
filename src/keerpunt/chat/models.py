from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from keerpunt.db.base import Base, BigId
from keerpunt.db.types import EncryptedText, UTCDateTime
from keerpunt.privacy.crypto import Sealed

# How a message body is bound to its row: fields of the row, named as its columns.
MESSAGE_AAD = "message:{conversation_id}:{seq}"

# A conversation in one of these still takes messages.
OPEN_STATUSES = ("queued", "active")


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_status_created", "status", "created_at"),
        # Reports read a period's chats.
        Index("ix_conversations_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    chatter_id: Mapped[str] = mapped_column(ForeignKey("chatters.id"), index=True)
    visitor: Mapped[str] = mapped_column(String(20))
    # The chat page's language, so canned replies and texts match what the chatter reads.
    locale: Mapped[str] = mapped_column(String(5), default="nl", server_default="nl")
    # The campaign link (channel) the chat was started through; none: organic.
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign_channels.id"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(12))
    counselor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
    # The highest seq handed out. Incrementing it takes the row lock that orders sends.
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    # Whether the chatter wrote anything: set with last_seq, so reports need no messages.
    chatter_wrote: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_by: Mapped[str | None] = mapped_column(String(12), nullable=True)
    # When retention deleted the text (messages, notes, summaries); the row, its seq
    # numbers and the registration's categories stay, so a reader hears "purged", not
    # an empty transcript.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Idle chats (chat/idle.py): the silence is counted from the latest of accepted_at,
    # the chatter's last message and the counselor's last extension.
    chatter_last_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    idle_extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    idle_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # When the current counselor got the chat (accept, offer or transfer): their last
    # pick-up, which automatic assignment reads. accepted_at stays the first pick-up.
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # A cold transfer put the chat back in the queue at this time: it waits ahead of
    # every chat that was never picked up.
    requeued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        UniqueConstraint("conversation_id", "client_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    seq: Mapped[int] = mapped_column(Integer)
    client_id: Mapped[str] = mapped_column(String(36))
    sender: Mapped[str] = mapped_column(String(10))
    sender_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # For system messages: what happened, so a client can word it in its own language.
    code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    body: Mapped[Sealed] = mapped_column(EncryptedText(aad=MESSAGE_AAD))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def aad(self) -> bytes:
        return message_aad(self.conversation_id, self.seq)


def message_aad(conversation_id: str, seq: int) -> bytes:
    return MESSAGE_AAD.format(conversation_id=conversation_id, seq=seq).encode()


class FeedbackAnswer(Base):
    """The chatter's answer to one feedback question after a chat: ids only, no text, so
    reports can count them and nothing here can identify anyone."""

    __tablename__ = "feedback_answers"

    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    question: Mapped[str] = mapped_column(String(32), primary_key=True)
    answer: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# Automatic assignment and transfer (chat/assignment.py, chat/assignment_actions.py) ------

# An offer of a waiting chat to one counselor: open until accepted, declined, left to
# expire, or withdrawn (the chat was taken otherwise or ended, or the counselor can no
# longer take it). Closed offers stay: whoever declined or let one expire is not asked
# about that chat again.
OFFER_STATES = ("open", "accepted", "declined", "expired", "withdrawn")

TRANSFER_NOTE_AAD = "transfer-note:{id}"


class Offer(Base):
    __tablename__ = "offers"
    __table_args__ = (
        # One open offer per conversation, kept by the database: two server processes
        # running a round at once cannot both offer the same chat.
        Index(
            "uq_offers_open_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text("state = 'open'"),
            postgresql_where=text("state = 'open'"),
        ),
        Index("ix_offers_user_state", "user_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Transfer(Base):
    """A counselor hands an active chat on: warm to a colleague (who accepts or declines),
    or cold back to the queue (`to_user_id` none, done at once). The note is for the
    colleague only, sealed and bound to its row."""

    __tablename__ = "transfers"
    __table_args__ = (
        Index(
            "uq_transfers_open_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text("state = 'open'"),
            postgresql_where=text("state = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    from_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    to_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
    # open, accepted, declined, withdrawn (the chat ended first); a cold one is "queued".
    state: Mapped[str] = mapped_column(String(12))
    note: Mapped[Sealed | None] = mapped_column(EncryptedText(aad=TRANSFER_NOTE_AAD), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


def transfer_note_aad(transfer_id: int) -> bytes:
    return TRANSFER_NOTE_AAD.format(id=transfer_id).encode()
