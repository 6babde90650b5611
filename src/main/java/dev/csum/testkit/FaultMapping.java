package dev.csum.testkit;

import dev.csum.engine.EngineTestFault;
import dev.csum.io.FaultKind;
import dev.csum.io.FaultPlan;

/** Translations between the test kit's fault types and the simulated disk's (and the engine's). */
final class FaultMapping {
    static {
        // The kit's enums mirror the internal ones, name for name, in the same order.
        requireSameNames(Fault.values(), FaultKind.values());
        requireSameNames(HarnessFault.values(), EngineTestFault.values());
    }

    private static void requireSameNames(Enum<?>[] kit, Enum<?>[] internal) {
        String names = kit[0].getDeclaringClass().getSimpleName() + " and " + internal[0].getDeclaringClass().getSimpleName();
        if (kit.length != internal.length) {
            throw new AssertionError(names + " differ in length");
        }
        for (int i = 0; i < kit.length; i++) {
            if (!kit[i].name().equals(internal[i].name())) {
                throw new AssertionError(names + " differ at " + kit[i] + " / " + internal[i]);
            }
        }
    }

    private FaultMapping() {
    }

    static FaultKind kind(Fault fault) {
        return FaultKind.values()[fault.ordinal()];
    }

    static Fault fault(FaultKind kind) {
        return Fault.values()[kind.ordinal()];
    }

    static EngineTestFault engineFault(HarnessFault fault) {
        return EngineTestFault.values()[fault.ordinal()];
    }

    static FaultPlan plan(Faults faults) {
        FaultPlan plan = FaultPlan.none().withCrash(faults.crashWritePersistProbability(),
            faults.crashTornWriteProbability());
        for (var entry : faults.probabilities().entrySet()) {
            plan = plan.with(kind(entry.getKey()), entry.getValue());
        }
        return plan;
    }
}
