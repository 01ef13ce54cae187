"""Samples trials of a NeuroGym environment into a task file rnnlab trains on.

    python3 scripts/neurogym_to_npz.py PerceptualDecisionMaking-v0 task.npz --trials 500 --dt 100

Per trial (env.new_trial()): the observations are the inputs; the ground-truth action per step
becomes a one-hot target over the action space (the fixation action included, so a network
learns to hold fixation and then respond); the mask scores every step of the trial with weight
0.2 and the decision period with weight 1 (NeuroGym's 'decision' period), and pads shorter
trials with zeros and mask 0 up to the longest. A trial's condition is its ground truth and,
where the environment draws one, its coherence. The constant inputs the fixed-point analysis
holds networks at: the observation at the first step of the first trial's fixation period (the
network waiting), and the trial-averaged observation of the stimulus period (the network
integrating evidence), if the environment has those periods.

Needs neurogym (pip install neurogym; made with neurogym 2.3.1) and NumPy; rnnlab itself does
not. Then name the file in an experiment: [task] kind = "arrays", file = "task.npz",
score = "sign" (a one-hot target is scored by the sign of each output).
"""
import argparse
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("env", help="a NeuroGym environment, e.g. PerceptualDecisionMaking-v0")
    parser.add_argument("out", help="the .npz to write")
    parser.add_argument("--trials", type=int, default=500)
    parser.add_argument("--dt", type=int, default=100, help="ms per step")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import neurogym as ngym

    env = ngym.make(args.env, dt=args.dt).unwrapped
    env.seed(args.seed)
    actions = env.action_space.n
    obs, gts, masks, conditions = [], [], [], []
    labels = {}
    for _ in range(args.trials):
        trial = env.new_trial()
        ob, gt = np.asarray(env.ob, np.float32), np.asarray(env.gt, np.int64)
        weight = np.full(len(gt), 0.2, np.float32)
        if "decision" in env.start_ind:
            weight[env.start_ind["decision"] : env.end_ind["decision"]] = 1.0
        key = (int(trial.get("ground_truth", 0)), float(trial.get("coh", 0.0)))
        conditions.append(labels.setdefault(key, len(labels)))
        obs.append(ob)
        gts.append(gt)
        masks.append(weight)
    steps = max(len(g) for g in gts)
    n = len(gts)
    inputs = np.zeros((n, steps, obs[0].shape[1]), np.float32)
    targets = np.zeros((n, steps, actions), np.float32)
    mask = np.zeros((n, steps, actions), np.float32)
    for b in range(n):
        t = len(gts[b])
        inputs[b, :t] = obs[b]
        # One-hot in {-1, +1}: the sign of each output says whether that action is taken.
        targets[b, :t] = -1.0
        targets[b, np.arange(t), gts[b]] = 1.0
        mask[b, :t] = masks[b][:, None]
    constant = [obs[0][0]]
    if "stimulus" in env.start_ind:
        stim = [o[env.start_ind["stimulus"] : env.end_ind["stimulus"]] for o in obs[:50]]
        constant.append(np.concatenate(stim).mean(axis=0))
    np.savez_compressed(
        args.out,
        inputs=inputs,
        targets=targets,
        mask=mask,
        conditions=np.asarray(conditions, np.int64),
        constant_inputs=np.asarray(constant, np.float64),
    )
    print(f"{args.out}: {n} trials of up to {steps} steps, {inputs.shape[2]} inputs, "
          f"{actions} outputs, {len(labels)} conditions")


if __name__ == "__main__":
    main()
