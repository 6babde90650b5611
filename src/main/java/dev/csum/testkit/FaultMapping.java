package dev.csum.testkit;

import dev.csum.engine.EngineTestFault;
import dev.csum.io.FaultKind;
import dev.csum.io.FaultPlan;

/** Translations between the test kit's fault types and the simulated disk's (and the engine's). */
final class FaultMapping {
    static {
        // The kit's faults mirror the disk's, name for name, in the same order.
        FaultKind[] kinds = FaultKind.values();
        Fault[] faults = Fault.values();
        if (kinds.length != faults.length) {
            throw new AssertionError("Fault and FaultKind differ in length");
        }
        for (int i = 0; i < kinds.length; i++) {
            if (!kinds[i].name().equals(faults[i].name())) {
                throw new AssertionError("Fault " + faults[i] + " is not FaultKind " + kinds[i]);
            }
        }
        // The kit's harness faults mirror the engine's test faults the same way.
        EngineTestFault[] engineFaults = EngineTestFault.values();
        HarnessFault[] harnessFaults = HarnessFault.values();
        if (engineFaults.length != harnessFaults.length) {
            throw new AssertionError("HarnessFault and EngineTestFault differ in length");
        }
        for (int i = 0; i < engineFaults.length; i++) {
            if (!engineFaults[i].name().equals(harnessFaults[i].name())) {
                throw new AssertionError("HarnessFault " + harnessFaults[i] + " is not EngineTestFault " + engineFaults[i]);
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
