import * as gcp from '@pulumi/gcp';
import type { StackConfig } from './config';

export interface Network {
  network: gcp.compute.Network;
  /** Functions and the migration job leave through this subnet (Direct VPC egress) to reach Cloud SQL. */
  subnet: gcp.compute.Subnetwork;
  /** Private service access: the peering that gives Cloud SQL its private IP in our VPC. */
  peering: gcp.servicenetworking.Connection;
}

export function createNetwork(config: StackConfig): Network {
  const network = new gcp.compute.Network('vpc', { project: config.project, name: 'somnus-vpc', autoCreateSubnetworks: false, routingMode: 'REGIONAL' });
  const subnet = new gcp.compute.Subnetwork('serverless-subnet', {
    project: config.project,
    name: 'somnus-serverless',
    region: config.region,
    network: network.id,
    // Direct VPC egress takes addresses from here as instances scale: /24 serves ~250 instances
    ipCidrRange: '10.8.0.0/24',
    privateIpGoogleAccess: true,
  });
  const range = new gcp.compute.GlobalAddress('sql-private-range', {
    project: config.project,
    name: 'somnus-sql-private-range',
    purpose: 'VPC_PEERING',
    addressType: 'INTERNAL',
    prefixLength: 20,
    network: network.id,
  });
  const peering = new gcp.servicenetworking.Connection('private-service-access', {
    network: network.id,
    service: 'servicenetworking.googleapis.com',
    reservedPeeringRanges: [range.name],
    // Cloud SQL keeps using the peering until the instance is gone; deleting it first fails the destroy
    deletionPolicy: 'ABANDON',
  });
  return { network, subnet, peering };
}
