"""The pain diagram: coded body regions marked at a visit with the kind of pain and its intensity, shown on
a front and back body map, compared between visits, and read by the payer criteria and the packet."""
