package plan

import "math"

// validArgoWeight checks an Argo Rollouts weight: setWeight and
// setCanaryScale.weight are int32 percentages 0–100.
func validArgoWeight(field string, w float64) error {
	if !isWhole(w) || !inRange(w, 0, 100) {
		return fieldErr(field, w, "a whole percentage from 0 to 100")
	}
	return nil
}

// ArgoBasicCanaryReplicas returns the canary and stable replica counts an
// Argo Rollouts canary without a traffic router aims for at a setWeight step.
// Without a router the traffic split is the replica ratio, so Argo picks the
// counts whose ratio is closest to the weight:
//
//   - it considers canary = ⌈replicas × w⌉ and ⌊replicas × w⌋ against a
//     total of replicas, and, when maxSurge allows at least one extra pod,
//     against replicas + 1;
//   - for a weight strictly between 0 and 100 neither side may be 0 (unless
//     there is a single replica and no surge);
//   - when ⌈⌉ and ⌊⌋ are equally close (replicas × w ends in .5), the
//     larger canary wins;
//   - otherwise the first closest candidate wins, in the order above;
//   - if no candidate survives these rules (replicas × w is x.5 with
//     ⌈⌉ = replicas and no surge: 2 at 75 %, 10 at 95 %), Argo keeps all
//     replicas on stable and none on canary — a quirk reproduced here.
//
// So 10 replicas at 41 % give 4 canary and 6 stable (40 % beats 45.5 % with
// a surge pod); 10 at 25 % with surge gives 3 and 8 (27.3 % beats 20 %);
// 1 replica at 5 % with surge gives 1 and 1.
//
// maxSurgeReplicas is maxSurge already resolved to pods (see
// ResolveK8sRollingUpdate; Argo resolves it the same way), used only to
// know whether one extra pod is allowed.
//
// Not modelled: how Argo gets there. CalculateReplicaCountsForBasicCanary
// also walks from the current ReplicaSet sizes toward these targets within
// maxSurge and maxUnavailable (scaling stable up before canary, older
// ReplicaSets down first); a controller reaches the targets in such steps.
// Argo releases before the closest-weight rule rounded both counts up
// (10 at 41 % gave 5 and 6); this follows the current rule.
func ArgoBasicCanaryReplicas(replicas int, setWeightPercent float64, maxSurgeReplicas int) (canary, stable int, err error) {
	if err := validArgoWeight("setWeight", setWeightPercent); err != nil {
		return 0, 0, err
	}
	if replicas < 0 {
		return 0, 0, fieldErr("replicas", replicas, "0 or more pods")
	}
	if maxSurgeReplicas < 0 {
		return 0, 0, fieldErr("maxSurge", maxSurgeReplicas, "0 or more pods")
	}
	if replicas == 0 {
		return 0, 0, nil
	}
	w := int(setWeightPercent)
	ceilC := (replicas*w + 99) / 100
	floorC := replicas * w / 100
	zeroAllowed := w == 0 || w == 100 || (replicas == 1 && maxSurgeReplicas == 0)

	type option struct{ canary, total int }
	var options []option
	if ceilC < replicas || zeroAllowed {
		options = append(options, option{ceilC, replicas})
	}
	if !halfwayTie(replicas, w) && (floorC != 0 || zeroAllowed) {
		options = append(options, option{floorC, replicas})
	}
	if maxSurgeReplicas > 0 {
		options = append(options, option{ceilC, replicas + 1})
		if !halfwayTie(replicas+1, w) && (floorC != 0 || zeroAllowed) {
			options = append(options, option{floorC, replicas + 1})
		}
	}
	if len(options) == 0 {
		// Reached when replicas × w ends in .5 just below replicas and no
		// surge is allowed (2 at 75 %, 5 at 90 %, 10 at 95 %): the ceiling is
		// all pods, the floor is excluded by the tie rule. Argo then keeps
		// everything on stable, and so do we.
		return 0, replicas, nil
	}
	best := options[0]
	for _, o := range options[1:] {
		if weightGap(w, o.canary, o.total) < weightGap(w, best.canary, best.total) {
			best = o
		}
	}
	return best.canary, best.total - best.canary, nil
}

// halfwayTie reports whether total × w / 100 ends in exactly .5, where the
// floor and the ceiling are equally far from the weight.
func halfwayTie(total, w int) bool {
	return (total*w)%100 == 50
}

// weightGap is how far canary/total is from w, in percentage points.
func weightGap(w, canary, total int) float64 {
	return math.Abs(float64(canary*100)/float64(total) - float64(w))
}

// ArgoSetCanaryScale is a setCanaryScale step of an Argo Rollouts canary.
// It only applies with a traffic router. Set one of the fields; if several
// are set, Replicas wins over WeightPercent, as in Argo.
type ArgoSetCanaryScale struct {
	// Replicas is an explicit canary pod count.
	Replicas *int
	// WeightPercent is setCanaryScale.weight: canary pods as a percentage of
	// spec.replicas, rounded up.
	WeightPercent *float64
	// MatchTrafficWeight returns the canary scale to following setWeight.
	MatchTrafficWeight bool
}

// ArgoTrafficRoutedCanaryReplicas returns canary and stable replica counts
// for an Argo Rollouts canary with a traffic router at a step whose traffic
// weight is setWeightPercent. scale is the setCanaryScale in effect (nil when
// none).
//
//   - Canary: scale.Replicas if set; else ⌈replicas × scale.WeightPercent⌉;
//     else (no scale, or matchTrafficWeight) ⌈replicas × setWeight⌉.
//   - Stable: all replicas, because the router, not the pod count, splits
//     traffic; with dynamicStableScale, ⌈replicas × (100 − setWeight)⌉.
//
// Examples from Argo's tests: 10 replicas at 10 % → 1 canary, 10 stable;
// with dynamicStableScale → 1 and 9; at 33 % the canary is 4.
//
// Not modelled: dynamicStableScale keeps the stable at the larger of its
// desired and its current traffic share while traffic is still moving, and
// minPodsPerReplicaSet raises non-zero counts; both depend on live state.
func ArgoTrafficRoutedCanaryReplicas(replicas int, setWeightPercent float64, scale *ArgoSetCanaryScale, dynamicStableScale bool) (canary, stable int, err error) {
	if err := validArgoWeight("setWeight", setWeightPercent); err != nil {
		return 0, 0, err
	}
	if replicas < 0 {
		return 0, 0, fieldErr("replicas", replicas, "0 or more pods")
	}
	canary = ceilPercentOf(replicas, setWeightPercent)
	if scale != nil && !scale.MatchTrafficWeight {
		switch {
		case scale.Replicas != nil:
			if *scale.Replicas < 0 {
				return 0, 0, fieldErr("setCanaryScale.replicas", *scale.Replicas, "0 or more pods")
			}
			canary = *scale.Replicas
		case scale.WeightPercent != nil:
			if err := validArgoWeight("setCanaryScale.weight", *scale.WeightPercent); err != nil {
				return 0, 0, err
			}
			canary = ceilPercentOf(replicas, *scale.WeightPercent)
		default:
			return 0, 0, fieldErr("setCanaryScale", "{}", "one of replicas, weight or matchTrafficWeight")
		}
	}
	stable = replicas
	if dynamicStableScale {
		stable = ceilPercentOf(replicas, 100-setWeightPercent)
	}
	return canary, stable, nil
}

// ArgoReplicaSet is a ReplicaSet as Argo's replica arithmetic reads it.
type ArgoReplicaSet struct {
	Spec      int // spec.replicas
	Available int // status.availableReplicas
}

// ArgoBasicCanaryScale returns the canary and stable replica counts an
// Argo Rollouts canary without a traffic router sets next, from where the
// ReplicaSets are now: CalculateReplicaCountsForBasicCanary
// (utils/replicaset/canary.go). The targets are ArgoBasicCanaryReplicas';
// the controller gets there in steps that keep every ReplicaSet's pods
// within replicas + maxSurge and the available pods at or above
// replicas − maxUnavailable:
//
//   - up first, within the surge: the stable (when below its target,
//     e.g. after a lower setWeight or an abort), then the canary;
//   - while older ReplicaSets still have pods, nothing is scaled down;
//   - then down, as far as availability allows: the stable when the
//     canary is growing (counting the stable's pods as available), the
//     canary when it is shrinking (counting the canary's) — so a lower
//     setWeight scales the stable back up and the canary down, just as a
//     higher one does the reverse.
//
// maxSurge and maxUnavailable are resolved pods (maxSurge rounded up,
// maxUnavailable rounded down, 1 when both come out 0, as
// ResolveK8sRollingUpdate does); olderReplicas counts the pods of
// ReplicaSets that are neither canary nor stable.
func ArgoBasicCanaryScale(replicas int, setWeightPercent float64, maxSurge, maxUnavailable int, canary, stable ArgoReplicaSet, olderReplicas int) (newCanary, newStable int, err error) {
	if maxUnavailable < 0 {
		return 0, 0, fieldErr("maxUnavailable", maxUnavailable, "0 or more pods")
	}
	desiredCanary, desiredStable, err := ArgoBasicCanaryReplicas(replicas, setWeightPercent, maxSurge)
	if err != nil {
		return 0, 0, err
	}
	maxUnavailable = min(maxUnavailable, replicas)
	canaryCount, stableCount := canary.Spec, stable.Spec
	maxAllowed := replicas + maxSurge
	scaleUp := maxAllowed - (olderReplicas + canary.Spec + stable.Spec)
	if stable.Spec < desiredStable && scaleUp > 0 {
		if stable.Spec+scaleUp < desiredStable {
			stableCount = stable.Spec + scaleUp
			scaleUp = 0
		} else {
			stableCount = desiredStable
			scaleUp -= desiredStable - stable.Spec
		}
	}
	if canary.Spec < desiredCanary && scaleUp > 0 {
		canaryCount = min(desiredCanary, canary.Spec+scaleUp)
	}
	if olderReplicas > 0 {
		return canaryCount, stableCount, nil
	}
	minAvailable := replicas - maxUnavailable
	increasing := desiredCanary >= canary.Spec
	toScaleDown := argoForScaleDown(canary, !increasing) + argoForScaleDown(stable, increasing)
	if toScaleDown <= minAvailable {
		return canaryCount, stableCount, nil
	}
	scaleDown := toScaleDown - minAvailable
	if !increasing {
		canaryCount = argoScaleDownCount(canary, desiredCanary, scaleDown, canaryCount)
		canaryCount, stableCount = argoAdjustWithinLimits(canary, stable, canaryCount, stableCount, maxAllowed, minAvailable)
	} else {
		stableCount = argoScaleDownCount(stable, desiredStable, scaleDown, stableCount)
		stableCount, canaryCount = argoAdjustWithinLimits(stable, canary, stableCount, canaryCount, maxAllowed, minAvailable)
	}
	return canaryCount, stableCount, nil
}

// argoForScaleDown is GetReplicasForScaleDown: the pods of rs that count
// toward availability when deciding how many may go.
func argoForScaleDown(rs ArgoReplicaSet, ignoreAvailability bool) int {
	if rs.Spec < rs.Available || ignoreAvailability {
		return rs.Spec
	}
	return rs.Available
}

// argoScaleDownCount is calculateScaleDownReplicaCount.
func argoScaleDownCount(drain ArgoReplicaSet, desired, scaleDown, count int) int {
	if drain.Spec > desired {
		return max(desired, drain.Spec-scaleDown)
	}
	return count
}

// argoAdjustWithinLimits is adjustReplicaWithinLimits: the ReplicaSet
// being adjusted gives back what exceeds the surge, but not below what
// availability needs; the one being drained gives up the rest.
func argoAdjustWithinLimits(drain, adjust ArgoReplicaSet, drainCount, adjustCount, maxAllowed, minAvailable int) (int, int) {
	over := max(0, adjustCount+drainCount-maxAllowed)
	available := min(drain.Available, drainCount)
	adjustCount -= over
	available += min(adjust.Available, adjustCount)
	extra := max(0, adjust.Available-adjustCount)
	adjustCount += min(extra, max(0, minAvailable-available))
	over = max(0, adjustCount+drainCount-maxAllowed)
	return drainCount - over, adjustCount
}
