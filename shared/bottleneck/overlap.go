package bottleneck

import (
	"slices"
	"strings"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// Which rules' actions overlap on one resource. Two kinds:
//
//   - Advice that cannot both be taken is not both given: a volume that
//     ebs.unattached or ebs.idle advises deleting, or that is attached to
//     an instance ec2.stopped_volumes_billed advises terminating with its
//     volumes, gets no ebs.gp2_to_gp3 (volumeToDelete).
//   - Advice that can both be taken but saves the same charges is given,
//     and each saving names the resources whose charges it counts
//     (Savings.Resources, savedResources): ec2.stopped_volumes_billed
//     counts its volumes', which ebs.idle may count too.
//     cloudscope.CoverSavings, once a scan's findings are complete, counts
//     each resource once.
//
// The other pairs of the rule table cannot fire together on one resource
// (ebs.unattached needs no attachment, ebs.idle one; elb.idle needs a
// healthy target, elb.no_healthy_targets none), or give no saving.

// deletesVolume are the rules that advise deleting the volume they judge.
// They come before ebs.gp2_to_gp3 in the rule table (a test holds them to
// it), so their findings on a volume are made when it is judged.
var deletesVolume = map[string]bool{EBSUnattached: true, EBSIdle: true}

// instancesByID indexes among's EC2 instances by "account/instance".
func instancesByID(among []cloudscope.Resource) map[string]cloudscope.Resource {
	out := map[string]cloudscope.Resource{}
	for _, r := range among {
		if r.Type == cloudscope.EC2 {
			out[r.AccountID+"/"+r.ID] = r
		}
	}
	return out
}

// stoppedBilled reports whether ec2.stopped_volumes_billed fires on inst:
// stopped for more than StoppedBilledDays (days), with volumes among the
// resources attached to it (vols; its Elastic IPs, which bill too, apart).
func (c *check) stoppedBilled(inst cloudscope.Resource) (days float64, vols, eips []cloudscope.Resource, ok bool) {
	if inst.State != "stopped" || inst.EC2 == nil || inst.EC2.StoppedAt == nil {
		return 0, nil, nil, false
	}
	for _, a := range c.volumes[inst.AccountID+"/"+inst.ID] {
		if a.Type == cloudscope.Address {
			eips = append(eips, a)
		} else {
			vols = append(vols, a)
		}
	}
	days = c.now.Sub(*inst.EC2.StoppedAt).Hours() / 24
	return days, vols, eips, len(vols) > 0 && days > float64(c.t.StoppedBilledDays)
}

// volumeToDelete reports whether another rule advises deleting the volume
// being judged: one of deletesVolume fired on it, or it is attached to an
// instance that ec2.stopped_volumes_billed advises terminating with its
// volumes.
func (c *check) volumeToDelete() bool {
	for _, f := range c.res.Findings[c.from:] {
		if deletesVolume[f.Rule] {
			return true
		}
	}
	r := c.in.Resource
	if r.Volume == nil {
		return false
	}
	for _, id := range r.Volume.AttachedTo {
		if inst, ok := c.instances[r.AccountID+"/"+id]; ok {
			if _, _, _, billed := c.stoppedBilled(inst); billed {
				return true
			}
		}
	}
	return false
}

// savedResources names, on each saving of the judged resource's findings
// that does not name them already, the resources whose charges it counts:
// the resource, and for ec2.stopped_volumes_billed the volumes attached to
// the instance and its Elastic IPs, the very ones its bill adds up.
func (c *check) savedResources() {
	r := c.in.Resource
	for i := c.from; i < len(c.res.Findings); i++ {
		f := &c.res.Findings[i]
		if f.Savings == nil || len(f.Savings.Resources) > 0 {
			continue
		}
		refs := []cloudscope.ResourceRef{{Type: r.Type, ID: r.ID}}
		if f.Rule == EC2StoppedBilled {
			vols := slices.Clone(c.volumes[r.AccountID+"/"+r.ID])
			slices.SortFunc(vols, func(a, b cloudscope.Resource) int { return strings.Compare(a.ID, b.ID) })
			for _, v := range vols {
				refs = append(refs, cloudscope.ResourceRef{Type: v.Type, ID: v.ID})
			}
		}
		f.Savings.Resources = refs
	}
}
