-- Version 5: who may see an event, found from the event's side (the relay between
-- instances fans out events it reads back from the log).
CREATE INDEX member_spans_by_conversation ON member_spans(conversation_id, start_event);
