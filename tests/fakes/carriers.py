"""Local fake carrier APIs (DHL Express, FedEx, UPS, USPS) over real HTTP, for karrio to talk to."""
