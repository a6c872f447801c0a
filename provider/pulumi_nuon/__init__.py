"""pulumi-nuon: read and wait on Nuon from Pulumi programs."""
