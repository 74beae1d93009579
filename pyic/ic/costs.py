"""Fees and limits of a 13-node application subnet, as one table the rules read.

Source: ``shared/reference/limits-and-costs.md`` (IC developer docs and replica
configuration).  Constants the spec writes in CAPS (``MAX_CYCLES_PER_MESSAGE``
...) are derived here from the fee schedule, as the replica derives them.
"""

from __future__ import annotations

from attrs import field, frozen, validators

from ..wasm.tiers import DEFAULT as DEFAULT_TIER, TIERS

SECONDS_PER_DAY = 24 * 60 * 60
GIB = 1 << 30


@frozen
class SubnetConfig:
    """The fee schedule and limits; every fee goes through `scale`."""

    subnet_size: int = 13
    # The replica's ``CanisterCyclesCostSchedule``: "normal" charges the fees below;
    # "free" (system subnets) charges none of them.  Limits count instructions and
    # hold under both.
    cost_schedule: str = field(default="normal", validator=validators.in_(("normal", "free")))
    # fees (cycles), for 13 nodes
    canister_creation_fee: int = 500_000_000_000
    update_message_execution_fee: int = 5_000_000
    ten_update_instructions_execution_fee: int = 10
    xnet_call_fee: int = 260_000
    xnet_byte_transmission_fee: int = 1_000
    ingress_message_reception_fee: int = 1_200_000
    ingress_byte_reception_fee: int = 2_000
    gib_storage_per_second_fee: int = 127_000
    compute_percent_allocated_per_second_fee: int = 10_000_000
    default_reserved_balance_limit: int = 5_000_000_000_000
    default_freezing_threshold: int = 2_592_000  # 30 days
    # instruction limits
    max_instructions_per_message: int = 40_000_000_000
    max_instructions_per_query: int = 5_000_000_000
    max_instructions_per_install_code: int = 300_000_000_000
    max_instructions_inspect_message: int = 200_000_000
    max_instructions_per_composite_query_call: int = 5_000_000_000
    instruction_overhead_per_query_call: int = 50_000_000
    max_call_depth_composite_query: int = 6
    # sizes and counts
    max_response_bytes: int = 2 * 1024 * 1024
    max_inter_canister_payload: int = 2 * 1024 * 1024
    max_ingress_payload: int = 2 * 1024 * 1024
    max_controllers: int = 10
    max_certified_data: int = 32
    max_snapshots_per_canister: int = 10
    max_call_timeout_seconds: int = 300
    max_canister_log_bytes: int = 4096
    max_chunk_size: int = 1024 * 1024
    max_canister_history_changes: int = 20
    # The memory a subnet can guarantee (the replica's default for application
    # subnets): a memory_allocation above it is one "the IC cannot guarantee".
    subnet_memory_capacity: int = 2 * 1024 ** 4
    # Unused: a round advances time by `scheduler.tick`'s ``time_step`` (1 ns).  Kept so
    # that state stores, which keep every field of the configuration, still load.
    round_time_nanos: int = 1_000_000_000
    # How this process executes canisters' Wasm (`pyic.wasm.tiers`: "fast" or "reference";
    # same replies, counts and states): a choice of the run, not state, so never stored.
    wasm_tier: str = field(default=DEFAULT_TIER, validator=validators.in_(TIERS),
                           metadata={"state": False})

    def scale(self, fee: int) -> int:
        """A fee for this subnet: the replica's ``scale_cost``, the one helper every
        fee goes through -- 0 on a free schedule, else scaled by ``subnet_size / 13``
        (integer arithmetic, as the replica does)."""
        if self.cost_schedule == "free":
            return 0
        return fee * self.subnet_size // 13

    def execution_cost(self, instructions: int) -> int:
        return self.scale(self.update_message_execution_fee
                          + instructions * self.ten_update_instructions_execution_fee // 10)

    @property
    def max_cycles_per_message(self) -> int:
        """``MAX_CYCLES_PER_MESSAGE``: the prepayment for executing one message."""
        return self.execution_cost(self.max_instructions_per_message)

    @property
    def max_cycles_per_response(self) -> int:
        """``MAX_CYCLES_PER_RESPONSE``: reserved per outgoing call for its response."""
        return (self.scale(self.xnet_byte_transmission_fee * self.max_response_bytes)
                + self.execution_cost(self.max_instructions_per_message))

    def call_fee(self, method_name: str, arg: bytes) -> int:
        """What sending one inter-canister request costs (request part)."""
        return self.scale(
            self.xnet_call_fee
            + self.xnet_byte_transmission_fee * (len(method_name.encode()) + len(arg))
        )

    def idle_cycles_burned_rate(self, compute_allocation: int, memory_allocation: int,
                                memory_usage: int) -> int:
        """``idle_cycles_burned_rate``, cycles per day."""
        memory = max(memory_allocation, memory_usage)
        per_second = (memory * self.gib_storage_per_second_fee // GIB
                      + compute_allocation * self.compute_percent_allocated_per_second_fee)
        return self.scale(per_second * SECONDS_PER_DAY)

    def freezing_limit(self, compute_allocation: int, memory_allocation: int,
                       freezing_threshold: int, memory_usage: int) -> int:
        """``freezing_limit = idle_cycles_burned_rate * freezing_threshold / (24*60*60)``."""
        rate = self.idle_cycles_burned_rate(compute_allocation, memory_allocation, memory_usage)
        return rate * freezing_threshold // SECONDS_PER_DAY


DEFAULT = SubnetConfig()

# Balances are saturating u128.
MAX_CYCLES = (1 << 128) - 1


def liquid_balance(balance: int, reserved_balance: int, freezing_limit: int) -> int:
    """``liquid_balance = balance - max(freezing_limit - reserved_balance, 0)``."""
    return balance - max(freezing_limit - reserved_balance, 0)


def saturating_add(a: int, b: int) -> int:
    return min(a + b, MAX_CYCLES)
