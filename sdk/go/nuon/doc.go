// Read and wait on Nuon deploys: a component's releases, an install's latest deploy, and a DeployGate that holds later resources until Nuon has finished deploying.
package nuon
