"""Writers of files people open elsewhere (Excel, browsers, CSV), safe against injection."""
