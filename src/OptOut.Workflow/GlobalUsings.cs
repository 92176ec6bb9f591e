global using OptOut.Workflow.Cases;
global using OptOut.Workflow.Orchestration;
