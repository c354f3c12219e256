"""Batch intake: stacks scanned with cover sheets (split in the command or by a worker),
the cover sheets to print for them, and folders or ZIPs taken in with a manifest.
"""
