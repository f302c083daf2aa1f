// Yosys workload for benches/realworld.sh: a 64-bit ALU with a multiplier, a barrel
// shifter and a small register file, synthesised with `synth -noabc`.
module alu(input clk, input [3:0] op, input [4:0] ra, input [4:0] rb, input [4:0] rd,
           input we, input [63:0] imm, output reg [63:0] out);
  reg [63:0] regs [0:31];
  wire [63:0] a = regs[ra], b = regs[rb];
  reg [63:0] r;
  always @* begin
    case (op)
      4'd0: r = a + b;
      4'd1: r = a - b;
      4'd2: r = a * b;
      4'd3: r = a & b;
      4'd4: r = a | b;
      4'd5: r = a ^ b;
      4'd6: r = a << b[5:0];
      4'd7: r = a >> b[5:0];
      4'd8: r = $signed(a) >>> b[5:0];
      4'd9: r = ($signed(a) < $signed(b)) ? 64'd1 : 64'd0;
      4'd10: r = (a < b) ? 64'd1 : 64'd0;
      4'd11: r = a + imm;
      default: r = imm;
    endcase
  end
  always @(posedge clk) begin
    if (we) regs[rd] <= r;
    out <= r;
  end
endmodule
