"""Mounted under ``m/<slug>/workshops/`` through the registry."""

from django.urls import path

from .views import invitations, room, share, stream, workshops

urlpatterns = [
    path("", workshops.workshop_list, name="workshop-list"),
    path("new/", workshops.workshop_new, name="workshop-new"),
    path("invitations/<str:token>/", invitations.invitation_open, name="invitation-open"),
    path("invitations/<str:token>/rsvp/", invitations.invitation_rsvp, name="invitation-rsvp"),
    path("share/<str:token>/", share.share_public, name="share-public"),
    path("share/<str:token>/events/", stream.share_stream, name="share-events"),
    path("<int:pk>/", workshops.workshop_detail, name="workshop-detail"),
    path("<int:pk>/edit/", workshops.workshop_edit, name="workshop-edit"),
    path("<int:pk>/phase/", workshops.workshop_phase, name="workshop-phase"),
    path("<int:pk>/invite/", invitations.workshop_invite, name="workshop-invite"),
    path(
        "<int:pk>/invitations/<int:invitation_id>/revoke/",
        invitations.invitation_revoke,
        name="invitation-revoke",
    ),
    path("<int:pk>/attendees/", invitations.attendee_add, name="attendee-add"),
    path("<int:pk>/room/", room.workshop_room, name="workshop-room"),
    path("<int:pk>/room/bar/", room.room_part, {"part": "bar"}, name="room-bar"),
    path("<int:pk>/room/controls/", room.room_part, {"part": "controls"}, name="room-controls"),
    path("<int:pk>/room/presence/", room.room_part, {"part": "presence"}, name="room-presence"),
    path("<int:pk>/room/notes/", room.room_part, {"part": "notes"}, name="room-notes"),
    path("<int:pk>/room/proposals/", room.room_part, {"part": "proposals"}, name="room-proposals"),
    path("<int:pk>/events/", stream.room_stream, name="workshop-events"),
    path("<int:pk>/notes/", room.note_add, name="note-add"),
    path("<int:pk>/notes/<int:note_id>/delete/", room.note_delete, name="note-delete"),
    path("<int:pk>/notes/<int:note_id>/group/", room.note_group, name="note-group"),
    path("<int:pk>/votes/", room.vote, name="vote"),
    path("<int:pk>/proposals/new/", room.proposal_new, name="proposal-new"),
    path(
        "<int:pk>/proposals/<int:proposal_id>/decide/",
        room.proposal_decide,
        name="proposal-decide",
    ),
    path(
        "<int:pk>/proposals/<int:proposal_id>/owner/",
        workshops.proposal_owner,
        name="proposal-owner",
    ),
    path(
        "<int:pk>/proposals/<int:proposal_id>/finish/",
        workshops.proposal_finish,
        name="proposal-finish",
    ),
    path("<int:pk>/control/timer/", room.control_timer, name="control-timer"),
    path("<int:pk>/control/focus/", room.control_focus, name="control-focus"),
    path("<int:pk>/control/reveal/", room.control_reveal, name="control-reveal"),
    path("<int:pk>/control/handover/", room.control_handover, name="control-handover"),
    path("<int:pk>/refine/", workshops.workshop_refine, name="workshop-refine"),
    path("<int:pk>/socialise/", workshops.workshop_socialise, name="workshop-socialise"),
    path("<int:pk>/share-links/", workshops.share_link_new, name="share-link-new"),
    path(
        "<int:pk>/share-links/<int:link_id>/revoke/",
        workshops.share_link_revoke,
        name="share-link-revoke",
    ),
    path("<int:pk>/share/", share.workshop_share, name="workshop-share"),
    path(
        "<int:pk>/comments/<int:comment_id>/resolve/",
        workshops.comment_resolve,
        name="comment-resolve",
    ),
    path("<int:pk>/next/", workshops.workshop_next, name="workshop-next"),
    path("<int:pk>/summary/", workshops.workshop_summary, name="workshop-summary"),
]
