"""Cost estimates: the patient's benefits as facts, prices per procedure and site of service from packs, and a
plain-language estimate (with the lower-cost site and cheaper alternatives) the patient can decide with."""
